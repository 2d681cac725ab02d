// A Label Studio ML backend that asks a local Ollama model (or any OpenAI-compatible server) to fill the
// project's Choices / Labels / TextArea / Rating / Number / Taxonomy over a Text. From the repository
// root, after `npm run build` and `ollama pull llama3.1`:
//   npx lsml start packages/llm/examples/ollama.ts --port 9090
import { llmBackend, llmRuntime } from '@lsml/llm';

export default llmBackend({
  runtime: llmRuntime({
    baseURL: process.env.OPENAI_BASE_URL ?? 'http://localhost:11434/v1',
    apiKey: process.env.OPENAI_API_KEY ?? 'ollama', // Ollama ignores it; the openai package wants one
    model: process.env.LLM_MODEL ?? 'llama3.1',
  }),
  head: { promptTemplate: 'Read this customer review and label it.\n\nReview:\n{text}' },
});
