/**
 * The workload of `npm run bench:llm -- --cpu`, shared by the Node driver (native llama.cpp) and the Chromium page
 * (the WASM engine) so both run the same tokens: a throughput prompt, and one memory pass plus one answer built
 * with this project's real prompt builders for a realistic turn (4 earlier messages, 3 facts against 12 related
 * memories, an answer over 30 retrieved memories). Random weights never stop by themselves, so each call's
 * output is capped at what a real model typically writes there (`OUTPUT_CAPS`) and decoded without a grammar
 * (a real model follows the grammar, so its masking costs little; random weights would make it dominate).
 * Also how one throughput run becomes figures, in wall-clock and in CPU time (on a shared machine the wall clock
 * mostly measures the neighbours; CPU seconds per token do not).
 */
import { buildAnswerMessages, CHAT_INSTRUCTIONS } from '../src/core/prompts/answer-agent';
import {
  buildDecisionMessages,
  buildExtractionMessages,
  DECISION_INSTRUCTIONS,
  EXTRACTION_INSTRUCTIONS,
} from '../src/core/prompts/memory-manager';
import type { ChatMessage } from '../src/core/types';

/** Output tokens per call: a 3-fact extraction, a 3-operation decision, a short chat answer. */
export const OUTPUT_CAPS = { extract: 64, decide: 96, answer: 128 } as const;

const TIME = Date.UTC(2024, 4, 8, 18, 30);

const CONTEXT: ChatMessage[] = [
  { role: 'user', content: 'I finally signed the lease! Moving day is Saturday.' },
  { role: 'assistant', content: 'Congratulations! Do you need a packing checklist for Saturday?' },
  { role: 'user', content: 'Maybe later. Sam is handling the van, I am doing the boxes.' },
  { role: 'assistant', content: 'Sounds like a good split. Let me know if you want help planning the day.' },
];

const TURN =
  'We moved to Lisbon last week, Sam and I found a flat near the river in Alfama, and I start my new job as a ' +
  'marine biologist at the Oceanário on Monday. My sister Ana is visiting us in June with her two kids.';

const FACTS = [
  'The user moved to Lisbon with Sam in the first week of May 2024 and lives in a flat near the river in Alfama.',
  'The user starts a new job as a marine biologist at the Oceanário de Lisboa on Monday, 13 May 2024.',
  "The user's sister Ana is visiting the user in June 2024 with her two children.",
];

const MEMORIES = [
  'The user lives in Porto and works at a research lab.',
  "Sam is the user's partner; they have been together since 2019.",
  "The user's sister Ana has two children, a son aged 6 and a daughter aged 9.",
  'The user likes green tea in the morning and never drinks coffee after lunch.',
  'The user has a dog named Max who is 3 years old and loves the beach.',
  'The user is looking for a new job in marine biology.',
  'The user and Sam were planning to move to Lisbon in spring 2024.',
  'Ana lives in Braga and works as a nurse.',
  'The user studied marine biology at the University of Porto.',
  'The user is allergic to peanuts.',
  'The user plays the piano every evening for an hour.',
  'The user wants to visit Japan in April 2025 to see the cherry blossoms.',
  'The user runs 10 km every Sunday along the river.',
  'Sam works from home as a software developer and prefers quiet neighbourhoods.',
  'The user volunteered at an aquarium in 2022.',
  "The user's mother lives in Coimbra.",
  'The user prefers vegetarian food.',
  'The user went camping in the Gerês mountains in July 2023.',
  'The user reads science fiction before bed.',
  'The user and Sam adopted Max from a shelter in 2021.',
  'The user is learning Japanese on weekends.',
  'The user dislikes crowded beaches.',
  "The user's favourite restaurant in Porto serves francesinha.",
  'The user wants a balcony in the new flat for plants.',
  'The user cycles to work when the weather is good.',
  "Ana's son is learning to swim.",
  'The user celebrated a birthday on 2 March 2024.',
  'The user keeps a small aquarium with tetras at home.',
  'The user speaks Portuguese, English and some Spanish.',
  'The user prefers trains over planes for trips within Europe.',
];

/** The three calls of one memory pass and one answer, with their output caps. */
export function passRequests(): { name: keyof typeof OUTPUT_CAPS; messages: ChatMessage[] }[] {
  const extract = buildExtractionMessages({ speaker: 'User', text: TURN, time: TIME, context: CONTEXT });
  const decide = buildDecisionMessages({
    facts: FACTS,
    memories: MEMORIES.slice(0, 12).map((text, i) => ({ id: String(i), text })),
    speaker: 'User',
    time: TIME,
  });
  const answer = buildAnswerMessages({
    question: 'When is my sister coming, and is the new flat big enough for everyone?',
    memories: MEMORIES.map((text, i) => ({ id: String(i), text })),
    mode: 'chat',
    history: CONTEXT,
    time: TIME,
  });
  return [
    { name: 'extract', messages: extract },
    { name: 'decide', messages: decide },
    { name: 'answer', messages: answer },
  ];
}

/** A prompt of plain English for the prefill and decode figures, about `words` words long. */
export function throughputMessages(words: number): ChatMessage[] {
  const text = Array.from({ length: Math.ceil(words / MEMORIES.length) }, () => MEMORIES.join(' '))
    .join(' ')
    .split(' ')
    .slice(0, words)
    .join(' ');
  return [{ role: 'user', content: `Summarize these notes in one paragraph: ${text}` }];
}

/** Messages rendered with ChatML, as the generated model's template does (for native llama.cpp's raw completion). */
export function renderChatML(messages: readonly ChatMessage[]): string {
  return `${messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('')}<|im_start|>assistant\n`;
}

/** Text the benchmark model's merges are trained on, so these prompts cost about as many tokens as with Qwen. */
export function workloadCorpus(): string {
  return [
    EXTRACTION_INSTRUCTIONS,
    DECISION_INSTRUCTIONS,
    CHAT_INSTRUCTIONS,
    TURN,
    ...FACTS,
    ...MEMORIES,
  ].join('\n');
}

/** One throughput run: prompt and generated tokens, and the seconds (wall and CPU) before and after the first token. */
export interface ThroughputSample {
  promptTokens: number;
  tokens: number;
  wall: { prefill: number; decode: number };
  cpu: { prefill: number; decode: number } | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

/** Prefill and decode tokens per second (wall clock) and per CPU second, medians over the samples. */
export function throughputFigures(samples: ThroughputSample[]) {
  const round = (x: number) => Math.round(x * 10) / 10;
  const rate = (pick: (s: ThroughputSample) => number | undefined) =>
    round(median(samples.map(pick).filter((x): x is number => x !== undefined && Number.isFinite(x))));
  return {
    prompt_tokens: samples.at(-1)?.promptTokens ?? 0,
    prefill_tokens_per_s: rate((s) => s.promptTokens / s.wall.prefill),
    decode_tokens_per_s: rate((s) => (s.tokens - 1) / s.wall.decode),
    prefill_tokens_per_cpu_s: rate((s) => (s.cpu ? s.promptTokens / s.cpu.prefill : undefined)),
    decode_tokens_per_cpu_s: rate((s) => (s.cpu ? (s.tokens - 1) / s.cpu.decode : undefined)),
  };
}
