"""The words of DESIGN.md and their rules: pure Python, no I/O, no imports of our other layers."""
