"""Use-cases: take a Session, enforce permissions, write the audit log; never commit."""
