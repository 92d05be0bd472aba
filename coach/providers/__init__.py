"""The only place that builds real clients: the embedder and the Chroma client."""
