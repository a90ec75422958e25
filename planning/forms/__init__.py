"""Forms of the PI Planning pages, one module per page family. They check shape."""
