# Marks where a workload starts and ends in its trace: compact.py keeps what is between the
# two allocations of this distinctive size (a bytearray of n bytes allocates n + 1).
MARKER_BYTES = 123457


def mark():
    return bytearray(MARKER_BYTES)
