"""Federation: the allow-list, harvest, SERVICE."""
