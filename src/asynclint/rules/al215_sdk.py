"""AL215: synchronous SDK clients (cloud, LLM, search, queues, containers)."""

from asynclint.rules import Rule
from asynclint.rules._text import LOOP_STALL, THROUGH_HELPERS, TO_THREAD_FIX

RULES = (
    Rule(
        code="AL215",
        name="blocking-sdk-call-in-async-function",
        summary="A sync SDK client (cloud, LLM, search, queues) calls its service on the loop",
        what_it_does=(
            "Follows clients of synchronous SDKs, such as boto3 clients and resources, Google "
            "Cloud Storage/BigQuery/Firestore, Azure Blob Storage, OpenAI, Anthropic, Cohere, "
            "Mistral, Gemini, Groq, Elasticsearch/OpenSearch, Meilisearch, Kafka, RabbitMQ "
            "(pika), Docker, Kubernetes, Slack, Twilio, SendGrid, MinIO, Supabase and Stripe, "
            "and reports the methods that call the remote service, including nested ones such as "
            "`client.chat.completions.create(...)`. Building a client, a bucket handle or a "
            "query is not reported. " + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + " SDK calls are network round trips with retries and backoff built "
            "in: an LLM completion can take many seconds, during which the service answers "
            "nothing else."
        ),
        example=(
            "from fastapi import FastAPI\n"
            "from openai import OpenAI\n"
            "\n"
            "app = FastAPI()\n"
            "client = OpenAI()\n"
            "\n"
            "\n"
            '@app.post("/summarize")\n'
            "async def summarize(text: str) -> str:\n"
            "    completion = client.chat.completions.create(\n"
            '        model="gpt-4o-mini",\n'
            '        messages=[{"role": "user", "content": f"Summarize: {text}"}],\n'
            "    )\n"
            '    return completion.choices[0].message.content or ""\n'
        ),
        use_instead=(
            "from fastapi import FastAPI\n"
            "from openai import AsyncOpenAI\n"
            "\n"
            "app = FastAPI()\n"
            "client = AsyncOpenAI()\n"
            "\n"
            "\n"
            '@app.post("/summarize")\n'
            "async def summarize(text: str) -> str:\n"
            "    completion = await client.chat.completions.create(\n"
            '        model="gpt-4o-mini",\n'
            '        messages=[{"role": "user", "content": f"Summarize: {text}"}],\n'
            "    )\n"
            '    return completion.choices[0].message.content or ""\n'
        ),
        fix_safety=(
            "Display-only suggestion naming the SDK's async client (`openai.AsyncOpenAI`, "
            "`aioboto3`, `AsyncElasticsearch`, `aiokafka`, ...). " + TO_THREAD_FIX
        ),
    ),
)
