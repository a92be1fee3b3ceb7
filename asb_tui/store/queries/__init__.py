"""Read models: plain frozen values for the screens, the CLI and the exports, never ORM rows."""
