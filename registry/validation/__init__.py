"""SHACL validation: the typed report, pySHACL (the reference), the fast validator."""
