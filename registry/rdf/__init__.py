"""RDF basics: namespaces, the ontology graph, terms, formats."""
