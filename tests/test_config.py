from pathlib import Path

import pytest

from registry.config import Settings


def test_defaults_put_the_store_on_disk_and_the_base_on_localhost():
    settings = Settings.load(environ={})
    assert settings.store.startswith("oxigraph:///")
    assert settings.base_uri == "http://localhost:8080/"
    assert settings.query_timeout == 30.0 and settings.max_rows == 100_000


def test_environment_overrides_toml_and_keywords_override_environment(tmp_path: Path):
    toml = tmp_path / "efreg.toml"
    toml.write_text(
        'port = 9000\nbase_uri = "https://a.example"\nservice_allowlist = ["https://x.example/sparql"]\n'
    )
    env = {"EFREG_CONFIG": str(toml), "EFREG_PORT": "9100", "EFREG_LOAD_SEEDS": "no"}
    settings = Settings.load(environ=env, workers=3)
    assert settings.port == 9100
    assert settings.base_uri == "https://a.example/"  # a trailing slash is added
    assert settings.service_allowlist == ("https://x.example/sparql",)
    assert settings.load_seeds is False and settings.workers == 3


def test_a_comma_separated_allowlist_from_the_environment():
    settings = Settings.load(environ={"EFREG_SERVICE_ALLOWLIST": "http://a/sparql, http://b/sparql"})
    assert settings.service_allowlist == ("http://a/sparql", "http://b/sparql")


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"EFREG_PORT": "eighty"}, "port"),
    ],
)
def test_bad_values_say_which_setting(environ, message):
    with pytest.raises(ValueError, match=message):
        Settings.load(environ=environ)


def test_unknown_keys_in_the_toml_file_are_refused(tmp_path: Path):
    toml = tmp_path / "efreg.toml"
    toml.write_text("prot = 1\n")
    with pytest.raises(ValueError, match="prot"):
        Settings.load(environ={"EFREG_CONFIG": str(toml)})
