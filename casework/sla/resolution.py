"""How finely response times are reported: the buckets every duration is rounded up to, and
the shares of the allowed time a clock may take. Shared by the clock facts, the weekly
summary (one counter column per bucket) and the figures, so each counts the same way."""

from __future__ import annotations

from typing import Final

# Upper bounds in minutes. Fine where targets are short (to the minute up to 6, then a few
# minutes up to an hour), coarser as durations grow (hours, then days); a median or 90th
# percentile is reported as the bound of the bucket it falls in - "at most".
MINUTE_BOUNDS: Final = (
    *(1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60),
    *(75, 90, 105, 120, 150, 180, 240),
    *(300, 360, 480, 600, 720, 960, 1200, 1440),
    *(1800, 2160, 2880, 4320, 5760, 7200, 8640, 10080),
    *(14400, 20160, 30240, 40320, 60480, 86400, 129600, 525600),
)
BUCKET_OF: Final = {bound: index for index, bound in enumerate(MINUTE_BOUNDS)}
# How long a clock took against the time it was allowed, in percent: up to each bound, then
# more than the last.
SHARE_BOUNDS: Final = (25, 50, 75, 100, 150, 200)
SHARE_LABELS: Final = (
    "up to 25%",
    "25-50%",
    "50-75%",
    "75-100%",
    "100-150%",
    "150-200%",
    "over 200%",
)
