// The baseline the bench compares the service with: a bare Fastify + ioredis server doing the same Redis work for
// the same two routes (HGETALL of the note; MULTI of HSET and ZADD to the index), and nothing else: no metrics,
// logs, tracing, rate limiting, breaker, cache or validation beyond parsing JSON. Plain JavaScript, so that it
// runs on node alone, as the built service does, and its memory and start time compare.
// Run by bench/run.ts: PORT and REDIS_URL from the environment.
import { randomUUID } from "node:crypto";
import Fastify from "fastify";
import Redis from "ioredis";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const app = Fastify({ logger: false });

app.get("/health/ready", async () => ({ status: "ok" }));

app.get("/v1/notes/:id", async (request, reply) => {
  const hash = await redis.hgetall(`notes:item:${request.params.id}`);
  if (Object.keys(hash).length === 0) return reply.code(404).send({ error: "not found" });
  return { ...hash, tags: JSON.parse(hash.tags ?? "[]") };
});

app.post("/v1/notes", async (request, reply) => {
  const now = new Date().toISOString();
  const note = { id: randomUUID(), title: request.body.title, body: request.body.body, tags: request.body.tags ?? [], createdAt: now, updatedAt: now };
  await redis
    .multi()
    .hset(`notes:item:${note.id}`, { ...note, tags: JSON.stringify(note.tags) })
    .zadd("notes:index", 0, note.id)
    .exec();
  return reply.code(201).send(note);
});

app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" }).catch((error) => {
  console.error(error);
  process.exit(1);
});
