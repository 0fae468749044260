"""Plain synchronous helpers shared by both twins: good twins offload them, bad ones don't."""
