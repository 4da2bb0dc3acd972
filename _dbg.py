import asyncio, time, statistics
from tests.fake_ollama import FakeOllama
from ollama_lsp.completion.pipeline import CompletionPipeline, CompletionRequest
from ollama_lsp.context import Document
from ollama_lsp.ollama import OllamaClient, ClientSettings
from ollama_lsp.providers import OllamaProvider
from ollama_lsp.settings import CompletionSettings
import cProfile, pstats

async def main():
    with FakeOllama() as fake:
        fake.configure(first_token_seconds=0.0)
        fake.reply(lambda r: f"result_{len(r.prompt)} = a * b")
        async with OllamaClient(ClientSettings(endpoints=(fake.url,))) as client:
            p = CompletionPipeline(OllamaProvider(client), CompletionSettings())
            text = "import math\n\n\ndef add(a, b):\n    \n"
            ts = []
            prof = cProfile.Profile()
            for i in range(300):
                text = f"# edit {i}\n" + text
                doc = Document("file:///a.py", text, "python", i)
                off = text.index("    \n") + 4
                if i == 100: prof.enable()
                t = time.perf_counter()
                await p.complete(CompletionRequest(doc, off, [doc], invoked=True))
                ts.append(time.perf_counter() - t)
            prof.disable()
            print("p50 ms", statistics.median(ts[50:]) * 1000)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
asyncio.run(main())
