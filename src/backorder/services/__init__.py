"""One function per use case. Each opens one transaction, takes its locks, and commits."""
