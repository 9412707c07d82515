"""`frugal-ai demo`: the whole job on an embedded example, in its own ledger.

Nothing here ever touches the user's real ledger: every function takes the ledger path
explicitly.
"""
