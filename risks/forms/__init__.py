"""Forms of the risk and dependency pages, one module per page family. They check shape."""
