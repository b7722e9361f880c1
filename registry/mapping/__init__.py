"""Mapping sets (SSSOM, flow mapping, SKOS) and crosswalks."""
