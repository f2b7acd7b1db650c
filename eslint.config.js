import js from "@eslint/js";
import tseslint from "typescript-eslint";

const SDKS = [
  "@slack/*",
  "matrix-bot-sdk",
  "keyv",
  "@keyv/*",
  "pino",
  "pino-*",
  "zod",
  "yaml",
  "nock",
  "undici",
  "pg",
  "redis",
  "@redis/*",
  "node:sqlite",
];

export default tseslint.config(
  { ignores: ["node_modules/**", ".node/**", "data/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: {
      "no-console": "error",
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/adapters/**", "**/commands/**"],
              message: "src/ is the domain: it imports neither adapters/ nor commands/.",
            },
            { group: SDKS, message: "src/ imports no SDK; put it behind a port in adapters/." },
          ],
        },
      ],
    },
  },
  {
    files: ["commands/**/*.ts"],
    rules: {
      "no-console": "error",
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/adapters/**"], message: "commands/ is chat-agnostic: it imports src/ only." },
            { group: SDKS, message: "commands/ imports no SDK." },
          ],
        },
      ],
    },
  },
  {
    files: ["adapters/**/*.ts", "tests/**/*.ts", "bench/**/*.ts"],
    rules: {
      // Loading matrix-bot-sdk eagerly loads its native crypto library; adapters/matrix/load-sdk.ts loads it safely.
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "matrix-bot-sdk",
              allowTypeImports: true,
              message: "Use loadMatrixBotSdk() from adapters/matrix/load-sdk.ts; import types only.",
            },
          ],
        },
      ],
    },
  },
  { files: ["eslint.config.js"], ...tseslint.configs.disableTypeChecked },
);
