"""Checks reward_fn.py against the real Node reward server (and the project's OpenAI-compatible test server as
the frozen Answer Agent). Run from the repository root: /usr/bin/python3 -m unittest training/verl/test_reward_fn.py
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import reward_fn  # noqa: E402


def _start(args):
    """Starts a Node process from the repository root and returns it with the first line it prints."""
    process = subprocess.Popen(
        ["node", "--import", "tsx", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline().strip()
    if not line:
        process.kill()
        raise RuntimeError(f"{' '.join(args)} did not start: {process.stderr.read()}")
    return process, line


@unittest.skipIf(shutil.which("node") is None, "node is not installed")
class RewardFunctionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model_server, model_url = _start(["src/testing/openai-test-server.ts", "--port", "0"])
        cls.reward_server, line = _start(
            [
                "src/rl/cli.ts",
                "serve-rewards",
                "--port",
                "0",
                "--answer-base-url",
                model_url,
                "--answer-model",
                "test-model",
            ]
        )
        cls.url = line.rsplit(" ", 1)[-1]
        os.environ["MEMORY_R1_REWARD_URL"] = cls.url

    @classmethod
    def tearDownClass(cls):
        for process in (cls.reward_server, cls.model_server):
            process.terminate()
            process.wait(timeout=30)
            process.stdout.close()
            process.stderr.close()

    def test_answer_agent_exact_match_after_the_marker(self):
        self.assertEqual(
            reward_fn.compute_score("locomo/memory-r1-answer", "Memories used: none\n**Answer:** The 2022.", "2022"),
            1.0,
        )
        self.assertEqual(reward_fn.compute_score("locomo/memory-r1-answer", "**Answer:** 2021", "2022"), 0.0)

    def test_answer_without_marker_scores_zero(self):
        self.assertEqual(reward_fn.compute_score("locomo/memory-r1-answer", "2022", "2022"), 0.0)

    def test_memory_manager_reward_uses_the_frozen_answer_agent(self):
        state = {
            "conversationId": "c",
            "turnId": "c/D1:1",
            "speaker": "Chen",
            "turnTime": 0,
            "question": "What did Chen open?",
            "questionTime": 0,
            "facts": ["Chen opened a bakery."],
            "bank": [{"id": "m0", "text": "Dara writes novels.", "speaker": "Dara"}],
            "aliases": ["m0"],
        }
        extra = {"agent": "manager", "manager_state": json.dumps(state)}
        add = '{"operations": [{"op": "ADD", "id": null, "text": "Chen opened a bakery."}]}'
        # The test server's answerer replies with the best-matching memory, so the ADD makes it answer right.
        self.assertEqual(
            reward_fn.compute_score("locomo/memory-r1-manager", add, "Chen opened a bakery.", extra), 1.0
        )
        noop = '{"operations": [{"op": "NOOP", "id": "0", "text": null}]}'
        self.assertEqual(
            reward_fn.compute_score("locomo/memory-r1-manager", noop, "Chen opened a bakery.", extra), 0.0
        )
        unknown = '{"operations": [{"op": "DELETE", "id": "5", "text": null}]}'
        self.assertEqual(
            reward_fn.compute_score("locomo/memory-r1-manager", unknown, "Chen opened a bakery.", extra), 0.0
        )

    def test_batch_scores_in_order(self):
        scores = reward_fn.compute_score_batch(
            ["locomo/memory-r1-answer"] * 3,
            ["**Answer:** a", "**Answer:** b", "a"],
            ["a", "a", "a"],
            [None, None, None],
        )
        self.assertEqual(scores, [1.0, 0.0, 0.0])

    def test_numpy_like_extra_info_is_sent_as_plain_json(self):
        class FakeArray:
            def __init__(self, values):
                self.values = values

            def tolist(self):
                return list(self.values)

        self.assertEqual(reward_fn._plain({"evidence": FakeArray(["D1:1"])}), {"evidence": ["D1:1"]})

    def test_a_refused_request_raises_with_the_server_message(self):
        with self.assertRaises(reward_fn.RewardServerError) as ctx:
            reward_fn.compute_score("unknown/source", "x", "y")
        self.assertIn("agent", str(ctx.exception))

    def test_an_unreachable_server_raises_with_how_to_start_it(self):
        previous = os.environ["MEMORY_R1_REWARD_URL"]
        os.environ["MEMORY_R1_REWARD_URL"] = "http://127.0.0.1:9"
        try:
            with self.assertRaises(reward_fn.RewardServerError) as ctx:
                reward_fn.compute_score("locomo/memory-r1-answer", "**Answer:** a", "a")
            self.assertIn("serve-rewards", str(ctx.exception))
        finally:
            os.environ["MEMORY_R1_REWARD_URL"] = previous


if __name__ == "__main__":
    unittest.main()
