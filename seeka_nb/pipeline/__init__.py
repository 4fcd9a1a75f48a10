"""The send pipeline (layer 4): ledger check → batches → transport → report."""
