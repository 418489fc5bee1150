#!/usr/bin/env node
// npm's bin entry (package.json "bin"); the CLI itself is TypeScript run by Node 24's type stripping.
import '../src/cli/main.ts'
