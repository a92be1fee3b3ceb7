"""What an officer or manager does to a case: each command checks its facts and writes through
the unit of work."""
