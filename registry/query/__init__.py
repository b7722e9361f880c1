"""The SPARQL endpoint's domain side (Flask-free): inspect requests, restrict the dataset, apply the
limits and run queries in killable workers. See ``registry/web/sparql.py`` for the HTTP side."""
