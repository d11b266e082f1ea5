"""The audit log: an RFC 6962 Merkle tree of canonical JSON entries with signed checkpoints."""
