"""Memory-R1 rewards for verl, computed by the project's Node reward server.

verl calls ``compute_score(data_source, solution_str, ground_truth, extra_info)`` for every rollout (set
``custom_reward_function.path`` to this file and ``custom_reward_function.name=compute_score``). This module only
forwards the call over HTTP to ``npm run rl -- serve-rewards``, so training scores with exactly the TypeScript code
that the rollouts, the evaluation and the app use (answer parsing after ``**Answer:**``, operation validation with
the core schema, the frozen Answer Agent). It needs nothing beyond the Python standard library.

Environment:
    MEMORY_R1_REWARD_URL      base URL of the reward server (default http://127.0.0.1:8390)
    MEMORY_R1_REWARD_TIMEOUT  seconds to wait for one request (default 300; Memory Manager rewards call a model)

A server error raises ``RewardServerError``: a reward that cannot be computed must stop training, not be scored 0.
"""

import json
import os
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8390"


class RewardServerError(RuntimeError):
    """The reward server could not be reached or refused the request; the message says what to do."""


def _base_url():
    return os.environ.get("MEMORY_R1_REWARD_URL", DEFAULT_URL).rstrip("/")


def _timeout():
    return float(os.environ.get("MEMORY_R1_REWARD_TIMEOUT", "300"))


def _plain(value):
    """Turns what verl hands over (numpy arrays and scalars inside dicts) into JSON-serializable Python values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value


def _post(path, payload):
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(
        _base_url() + path, data=body, method="POST", headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=_timeout()) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        detail = err.read().decode("utf-8", "replace")
        try:
            detail = json.loads(detail)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            pass
        raise RewardServerError(f"The reward server refused the request ({err.code}): {detail}") from err
    except urllib.error.URLError as err:
        raise RewardServerError(
            f"Cannot reach the reward server at {_base_url()} ({err.reason}). Start it with "
            "`npm run rl -- serve-rewards --port 8390` (add --answer-base-url/--answer-model for the Memory "
            "Manager) or set MEMORY_R1_REWARD_URL."
        ) from err


def _item(data_source, solution_str, ground_truth, extra_info):
    return {
        "data_source": data_source,
        "completion": solution_str,
        "ground_truth": _plain(ground_truth),
        "extra_info": _plain(extra_info) if extra_info is not None else None,
    }


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """The reward of one completion (1.0 or 0.0), as verl's custom reward function."""
    result = _post("/reward", _item(data_source, solution_str, ground_truth, extra_info))
    return float(result["score"])


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None, **kwargs):
    """The rewards of many completions in one request (for verl's batch reward manager)."""
    extra_infos = extra_infos if extra_infos is not None else [None] * len(solution_strs)
    items = [_item(*args) for args in zip(data_sources, solution_strs, ground_truths, extra_infos)]
    results = _post("/rewards", {"items": items})["results"]
    return [float(r["score"]) for r in results]
