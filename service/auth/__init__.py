"""Who is asking: API tokens and OpenID Connect bearer JWTs, resolved to a principal with a
role. Reading is public; writing needs a role (service/graphql/access.py)."""
