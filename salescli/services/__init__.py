"""The services: each operation loads, applies the rules, edits and writes or commits."""
