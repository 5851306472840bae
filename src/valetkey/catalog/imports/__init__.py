"""Importing toolkits from published API descriptions (docs/importing.md).

- `build`: description + `import.yaml` -> `toolkit.yaml` and `tools.yaml` (pure, reproducible);
- `schemas`: description schemas -> tool schemas every LLM provider accepts;
- `swagger`, `discovery`: OpenAPI 2.0 and Google discovery documents as OpenAPI 3;
- `files`: reading descriptions, writing and re-checking a toolkit folder;
- `names`: Composio's published tool slugs, to answer to them.
"""
