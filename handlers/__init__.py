"""The conversation core: a neutral Incoming message in, a list of neutral Replies out."""
