"""The migration chain: 0001_initial, 0002_baf, ... (one linear chain, readable ids)."""
