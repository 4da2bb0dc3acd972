from ollama_lsp.cli import main

raise SystemExit(main())
