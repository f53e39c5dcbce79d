"""What every capability stands on: the access gate, roles, row locks, rate limits, input
cleaning, people, absolute links, notifications read from the database, transient faults."""
