"""The Mutation type: one `input` argument per mutation, a payload with the record and the
`userErrors` an editor can fix. The work is service/editing's."""
