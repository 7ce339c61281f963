"""What staff look at rather than change: the queue, the supervision page, their notices,
the audit trail's index and the statistics - each a use case taking ``Acting`` first."""
