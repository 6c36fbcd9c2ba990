"""Fuzzing helpers for the test suite (test-only code): random programs and their printer.

See docs/fuzzing.md for the profiles and how to run the long ones.
"""
