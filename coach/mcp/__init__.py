"""The read-only MCP server: other assistants (Copilot, Claude, IDE agents) search the
guidance, ask for a verified, cited answer and read the journey's steps over the Model Context
Protocol. ``server.py`` (the ``MCPServer``, stdio and streamable HTTP), ``tools.py`` (the three
tools over a built ``Coach``, each call logged in the question log), ``gate.py`` (the bearer
token check in front of HTTP), ``tokens.py`` (the tokens' store), ``cli.py`` (`coach mcp`,
`coach tokens`)."""
