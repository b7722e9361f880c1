"""``efreg calculate``: choose a factor and calculate CO2e on the command line, with a receipt kept
in the store (the same domain as ``/api/calculate``: :mod:`registry.calculation`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from registry.cli import common
from registry.cli.remote import ServerLink


@click.command()
@click.option("--activity", metavar="IRI|ID", help="Activity: an IRI, or an id under category/activity/.")
@click.option("--geography", metavar="IRI|CODE", help="Place: an IRI, or a code such as CN, CN-GD, GLO.")
@click.option("--year", metavar="YYYY", help="Year of the activity (fallback: nearest earlier, then later).")
@click.option("--amount", metavar="DECIMAL", help="Amount of the activity.")
@click.option("--unit", metavar="UNIT", help="QUDT unit IRI, UCUM code (kW.h, GJ, TJ, t) or name.")
@click.option("--gwp", default="AR6", show_default=True, help="AR4, AR5, AR6 or a GWP-set IRI.")
@click.option("--boundary", metavar="NAME", help="Only factors with this boundary (e.g. Combustion).")
@click.option("--scope", metavar="NAME", help="Only factors of this scope (e.g. Scope2).")
@click.option("--gas-basis", metavar="NAME", help="Only factors with this gas basis (e.g. CO2Basis).")
@click.option("--publisher", metavar="IRI|ID", help="Prefer this publisher when all else ties.")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A batch: one row per activity line (header: activity,geography,year,amount,unit,gwp).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole answer as JSON.")
@click.option("--store", "store_url", metavar="URL", help="Store URL. [env EFREG_STORE]")
@click.option("--base-uri", metavar="URI", help="Base URI. [env EFREG_BASE_URI]")
def calculate(
    activity: str | None,
    geography: str | None,
    year: str | None,
    amount: str | None,
    unit: str | None,
    gwp: str,
    boundary: str | None,
    scope: str | None,
    gas_basis: str | None,
    publisher: str | None,
    csv_file: Path | None,
    as_json: bool,
    store_url: str | None,
    base_uri: str | None,
) -> None:
    """Choose the factor for an activity, place and year, and calculate the gases and CO2e exactly.

    Reads what anyone may read (public data). Exit status 2 on bad input, 1 when no factor fits.
    """
    # start-up: the store, rdflib and the calculation domain load when the command runs
    from registry.calculation import CalculationError, NoCandidate
    from registry.calculation.batch import read_csv, run, run_many, write_csv
    from registry.ingest.seeds import load_missing_seeds

    settings = common.settings(store=store_url, base_uri=base_uri)
    params = {
        "activity": activity,
        "geography": geography,
        "year": year,
        "amount": amount,
        "unit": unit,
        "gwp": gwp,
        "boundary": boundary,
        "scope": scope,
        "gas_basis": gas_basis,
        "publisher": publisher,
    }
    store = common.writer(settings)  # a receipt is kept: through the running server, if one holds the store
    if isinstance(store, ServerLink):  # as anyone asks: public data
        if csv_file is not None:
            results = store.call(
                "POST", "/api/calculate", data=csv_file.read_bytes(), content_type="text/csv", anonymous=True
            )
            click.echo(
                json.dumps(results, ensure_ascii=False, indent=2) if as_json else write_csv(results), nl=False
            )
            sys.exit(0 if all(r["status"] == 200 for r in results) else 1)
        answer = store.call("GET", "/api/calculate", params=params, anonymous=True, exits={404: 1})
        _print(answer, as_json)
        return
    try:
        if settings.load_seeds:
            load_missing_seeds(store, settings.base_uri)
        if csv_file is not None:
            try:
                results = run_many(
                    store, settings.base_uri, read_csv(csv_file.read_text(encoding="utf-8-sig"))
                )
            except CalculationError as exc:
                click.echo(f"error: {exc}", err=True)
                sys.exit(2)
            click.echo(
                json.dumps(results, ensure_ascii=False, indent=2) if as_json else write_csv(results), nl=False
            )
            sys.exit(0 if all(r["status"] == 200 for r in results) else 1)
        try:
            answer = run(store, settings.base_uri, params)
        except CalculationError as exc:
            click.echo(f"error: {exc}", err=True)
            if isinstance(exc, NoCandidate) or exc.fields.get("fitting"):
                click.echo(json.dumps(exc.fields, ensure_ascii=False, indent=2), err=True)
            sys.exit(1 if isinstance(exc, NoCandidate) else 2)
    finally:
        store.close()
    _print(answer, as_json)


def _print(answer: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    click.echo(f"factor   {answer['factor']}")
    for step in answer["conversions"]:
        click.echo(f"convert  × {step['multiplier']} ({step['from']} -> {step['to']}) = {step['amount']}")
    for gas in answer["gases"]:
        click.echo(f"gas      {gas['gas']}  {gas['value']} {gas['unit']}")
    co2e = answer["co2e"]
    click.echo(f"CO2e     {co2e['value']} {co2e['unit']} ({co2e['gwp']})")
    for note in answer.get("notes", []):
        click.echo(f"note     {note}")
    click.echo(f"receipt  {answer['receipt']}")
