"""Plumbing shared by every layer: argument checks, atomic writes, paths, device choice,
progress bars, and fingerprints of code for cache keys. Imports nothing else of rmtdiff."""
