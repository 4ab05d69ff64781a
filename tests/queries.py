"""Queries the tests share: the contract's frontend query and the depth-6 traversal."""

FRONTEND_QUERY = """
{ organizations(first: 100, filter: {category: PARTNER}) { totalCount nodes {
    slug name acronym regions description
    agreements { kind year title parties { slug name } }
    representatives { role designation person { name credentials
      representations { role organization { name } } } }
    cofounders { name } initiatives { name recurrence } } } }
"""

DEPTH_6_QUERY = """
query Depth6($first: Int!) { organizations(first: $first) { nodes {
  slug agreements { kind parties { slug representatives { role person { name
    representations { role organization { slug name } } } } } } } } }
"""
