"""HTTP around the GraphQL view: one middleware per module, the web pages and their files."""
