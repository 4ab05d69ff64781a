"""ISCT Partner Graph: the partner network of ISCT, served over GraphQL."""
