"""Presentation: figures, the explorers' payloads and tables for the chapters. The top layer."""
