#!/usr/bin/python3
"""Write test/fixtures/schedulers/*.json from diffusers' own scheduler source.

Usage: /usr/bin/python3 tools/scheduler-fixtures/generate.py DIFFUSERS_CHECKOUT [OUT_DIR]

DIFFUSERS_CHECKOUT is a huggingface/diffusers source tree (the folder holding src/diffusers/).
Only its scheduler files are imported (scheduling_ddim.py, scheduling_euler_discrete.py,
scheduling_euler_ancestral_discrete.py, scheduling_dpmsolver_multistep.py, scheduling_lcm.py,
scheduling_utils.py), under small shims written below for the rest of the diffusers package
(configuration_utils, utils, utils.torch_utils), so neither the full library nor its
dependencies are needed: Debian's python3-torch and python3-numpy suffice.

Inputs are deterministic formulas (no RNG); every input, the noise fed to stochastic samplers
and every output are stored in the fixtures as float32 values, so the TypeScript tests replay
exactly the same inputs. See tools/scheduler-fixtures/README.md.
"""
import argparse
import functools
import inspect
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import types

import numpy as np
import torch

SCHEDULER_FILES = [
    "scheduling_utils.py",
    "scheduling_ddim.py",
    "scheduling_euler_discrete.py",
    "scheduling_euler_ancestral_discrete.py",
    "scheduling_dpmsolver_multistep.py",
    "scheduling_lcm.py",
]

# ---------------------------------------------------------------- shims for the diffusers package

CONFIGURATION_UTILS = '''
import functools, inspect

class _Config(dict):
    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key)

class ConfigMixin:
    config_name = "scheduler_config.json"

    def register_to_config(self, **kwargs):
        if not hasattr(self, "_internal_dict"):
            self._internal_dict = {}
        self._internal_dict.update(kwargs)

    @property
    def config(self):
        return _Config(self._internal_dict)

def register_to_config(init):
    # Like diffusers: record every __init__ argument (defaults included) before the body runs.
    @functools.wraps(init)
    def inner(self, *args, **kwargs):
        bound = inspect.signature(init).bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        values.pop("self")
        ConfigMixin.register_to_config(self, **values)
        init(self, *args, **kwargs)
    return inner
'''

UTILS = '''
import logging as _logging
import warnings

class BaseOutput:
    pass

class PushToHubMixin:
    pass

def deprecate(*args, **kwargs):
    return None

def is_scipy_available():
    return False

class logging:
    @staticmethod
    def get_logger(name):
        return _logging.getLogger(name)
'''

# randn_tensor is only reached by stochastic samplers (Euler a, LCM). It hands out deterministic
# pseudo-noise from a formula and remembers what it handed out, so the fixture can record it.
TORCH_UTILS = '''
import math
import torch

DRAWN = []
_COUNTER = [0]

def randn_tensor(shape, generator=None, device=None, dtype=None, layout=None):
    c = _COUNTER[0]
    _COUNTER[0] += 1
    n = 1
    for d in shape:
        n *= int(d)
    values = [1.1 * math.sin(1.3 * i + 2.1 * c + 0.4) for i in range(n)]
    t = torch.tensor(values, dtype=torch.float32).reshape(tuple(shape)).to(dtype or torch.float32)
    DRAWN.append(t.clone())
    return t
'''

HF_HUB_UTILS = '''
def validate_hf_hub_args(fn):
    return fn
'''


def build_package(checkout: str) -> str:
    src = os.path.join(checkout, "src", "diffusers", "schedulers")
    if not os.path.isdir(src):
        sys.exit(f"{checkout}: no src/diffusers/schedulers folder (expected a diffusers source checkout)")
    root = tempfile.mkdtemp(prefix="diffusers-shim-")
    pkg = os.path.join(root, "diffusers")
    os.makedirs(os.path.join(pkg, "schedulers"))
    os.makedirs(os.path.join(pkg, "utils"))
    open(os.path.join(pkg, "__init__.py"), "w").close()
    open(os.path.join(pkg, "schedulers", "__init__.py"), "w").close()
    with open(os.path.join(pkg, "configuration_utils.py"), "w") as f:
        f.write(CONFIGURATION_UTILS)
    with open(os.path.join(pkg, "utils", "__init__.py"), "w") as f:
        f.write(UTILS)
    with open(os.path.join(pkg, "utils", "torch_utils.py"), "w") as f:
        f.write(TORCH_UTILS)
    for name in SCHEDULER_FILES:
        shutil.copy(os.path.join(src, name), os.path.join(pkg, "schedulers", name))
    try:
        import huggingface_hub.utils  # noqa: F401
    except ImportError:
        hub = types.ModuleType("huggingface_hub")
        hub_utils = types.ModuleType("huggingface_hub.utils")
        exec(HF_HUB_UTILS, hub_utils.__dict__)
        hub.utils = hub_utils
        sys.modules["huggingface_hub"] = hub
        sys.modules["huggingface_hub.utils"] = hub_utils
    sys.path.insert(0, root)
    return root


# ---------------------------------------------------------------- deterministic inputs

SHAPE = (2, 4, 2, 2)
N = int(np.prod(SHAPE))


def initial_sample(scale: float) -> torch.Tensor:
    v = [math.cos(0.37 * i * i + 0.5) * 1.2 for i in range(N)]
    return torch.tensor(v, dtype=torch.float32).reshape(SHAPE) * scale


def model_output(model_input: torch.Tensor, k: int) -> torch.Tensor:
    # A stand-in "model": depends on its input and the step, like a real one.
    flat = model_input.reshape(-1)
    v = [0.8 * math.sin(0.9 * i + 1.7 * k) + 0.1 * float(flat[i]) for i in range(N)]
    return torch.tensor(v, dtype=torch.float32).reshape(SHAPE)


def floats(t) -> list:
    """Values as the shortest decimal that reads back as the same float32 (all fixture values are float32)."""
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu().reshape(-1).to(torch.float64).numpy()
    out = []
    for x in np.asarray(t, dtype=np.float64).reshape(-1):
        f = np.float32(x)
        assert float(f) == float(x), "expected a float32 value"
        out.append(float(repr(f).replace("np.float32(", "").rstrip(")")) if math.isfinite(f) else None)
    return out


# ---------------------------------------------------------------- drivers

CLASSES = {
    "ddim": ("scheduling_ddim", "DDIMScheduler"),
    "euler": ("scheduling_euler_discrete", "EulerDiscreteScheduler"),
    "euler_a": ("scheduling_euler_ancestral_discrete", "EulerAncestralDiscreteScheduler"),
    "dpmpp_2m": ("scheduling_dpmsolver_multistep", "DPMSolverMultistepScheduler"),
    "lcm": ("scheduling_lcm", "LCMScheduler"),
}


def scheduler_class(sampler: str):
    module, cls = CLASSES[sampler]
    mod = __import__(f"diffusers.schedulers.{module}", fromlist=[cls])
    return getattr(mod, cls)


def make(sampler: str, config: dict, steps: int):
    kwargs = {k: v for k, v in config.items() if k not in ("_class_name", "use_clipped_model_output")}
    if sampler == "dpmpp_2m":
        kwargs.update(solver_order=2, algorithm_type="dpmsolver++", solver_type="midpoint")
    s = scheduler_class(sampler)(**kwargs)
    s.set_timesteps(steps)
    return s


def schedule_record(sampler: str, config: dict, steps: int) -> dict:
    s = make(sampler, config, steps)
    rec = {
        "sampler": sampler,
        "config": dict(config, _class_name=CLASSES[sampler][1]),
        "steps": steps,
        "timesteps": floats(s.timesteps),
        "init_noise_sigma": floats([float(s.init_noise_sigma)])[0],
    }
    if sampler in ("euler", "euler_a", "dpmpp_2m"):
        rec["sigmas"] = floats(s.sigmas)
    return rec


def trajectory_record(sampler: str, config: dict, steps: int, name: str) -> dict:
    from diffusers.utils import torch_utils
    rec = schedule_record(sampler, config, steps)
    rec["name"] = name
    rec["shape"] = list(SHAPE)
    s = make(sampler, config, steps)
    sample = initial_sample(float(s.init_noise_sigma))
    out_steps = []
    for k, t in enumerate(s.timesteps):
        scaled = s.scale_model_input(sample, t)
        m = model_output(scaled, k)
        torch_utils.DRAWN.clear()
        extra = {}
        if sampler == "ddim":
            extra = {"eta": 0.0, "use_clipped_model_output": bool(config.get("use_clipped_model_output", False))}
        prev = s.step(m, t, sample, **extra).prev_sample
        step = {
            "sample": floats(sample),
            "model_output": floats(m),
            "prev_sample": floats(prev),
        }
        if scaled is not sample:
            step["scaled_input"] = floats(scaled)
        if torch_utils.DRAWN:
            assert len(torch_utils.DRAWN) == 1
            step["noise"] = floats(torch_utils.DRAWN[0])
        out_steps.append(step)
        sample = prev
    rec["trajectory"] = out_steps
    return rec


SD = {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear"}
LINEAR = {"beta_start": 0.0001, "beta_end": 0.02, "beta_schedule": "linear"}
SPACINGS = ["leading", "trailing", "linspace"]
PREDS = ["epsilon", "v_prediction"]


def trajectory_cases():
    cases = []

    def add(sampler, name, config, steps):
        cases.append((sampler, f"{sampler}/{name}/{steps}", config, steps))

    for pred in PREDS:
        for sp in SPACINGS:
            for steps in (4, 10):
                add("ddim", f"sd-{pred}-{sp}", dict(SD, prediction_type=pred, timestep_spacing=sp, steps_offset=1,
                                                    set_alpha_to_one=False, clip_sample=False), steps)
        for clipped in (False, True):
            for sp in ("leading", "trailing"):
                add("ddim", f"linear-clip-{pred}-{sp}-clippedeps={clipped}",
                    dict(LINEAR, prediction_type=pred, timestep_spacing=sp, clip_sample=True, clip_sample_range=1.0,
                         use_clipped_model_output=clipped), 10)
    add("ddim", "linear-clip0.5-epsilon-leading-clippedeps=True",
        dict(LINEAR, clip_sample=True, clip_sample_range=0.5, use_clipped_model_output=True), 7)
    add("ddim", "sample-pred", dict(SD, prediction_type="sample", clip_sample=True), 5)
    add("ddim", "squaredcos", dict(beta_schedule="squaredcos_cap_v2", clip_sample=False, timestep_spacing="trailing"), 6)

    for sampler in ("euler", "euler_a"):
        for pred in PREDS:
            for sp in SPACINGS:
                for steps in (4, 10):
                    add(sampler, f"sd-{pred}-{sp}", dict(SD, prediction_type=pred, timestep_spacing=sp, steps_offset=1), steps)
            add(sampler, f"linear-{pred}-linspace", dict(LINEAR, prediction_type=pred), 8)
    for pred in PREDS:
        add("euler", f"sd-karras-{pred}", dict(SD, prediction_type=pred, use_karras_sigmas=True), 10)
    add("euler", "sample-pred", dict(SD, prediction_type="sample"), 5)

    for pred in PREDS:
        for sp in SPACINGS:
            for steps in (4, 10, 20):
                add("dpmpp_2m", f"sd-{pred}-{sp}", dict(SD, prediction_type=pred, timestep_spacing=sp, steps_offset=1), steps)
        for steps in (4, 10, 20):
            add("dpmpp_2m", f"sd-karras-{pred}", dict(SD, prediction_type=pred, use_karras_sigmas=True), steps)
        add("dpmpp_2m", f"linear-karras-{pred}", dict(LINEAR, prediction_type=pred, use_karras_sigmas=True), 15)
        add("dpmpp_2m", f"linear-{pred}", dict(LINEAR, prediction_type=pred), 16)
    add("dpmpp_2m", "sample-pred", dict(SD, prediction_type="sample"), 6)
    add("dpmpp_2m", "squaredcos-karras", dict(beta_schedule="squaredcos_cap_v2", use_karras_sigmas=True), 8)

    for pred in PREDS:
        for steps in (1, 2, 4, 8):
            add("lcm", f"sd-{pred}", dict(SD, prediction_type=pred), steps)
        add("lcm", f"linear-clip-{pred}", dict(LINEAR, prediction_type=pred, clip_sample=True, original_inference_steps=25), 6)
    add("lcm", "sample-pred", dict(SD, prediction_type="sample", timestep_scaling=5.0), 4)

    # zero terminal SNR (v-prediction, trailing spacing: the combination it is meant for)
    zsnr = dict(SD, prediction_type="v_prediction", timestep_spacing="trailing", rescale_betas_zero_snr=True)
    for sampler in ("ddim", "euler", "euler_a", "dpmpp_2m"):
        add(sampler, "zero-snr", zsnr, 6)
    add("lcm", "zero-snr", zsnr, 4)
    return cases


def schedule_cases():
    step_counts = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 20, 25, 30, 33, 40, 50, 64, 100, 250]
    out = []
    for sampler in ("ddim", "euler", "euler_a", "dpmpp_2m"):
        for betas in (("sd", dict(SD, steps_offset=1)), ("linear", LINEAR)):
            for sp in SPACINGS:
                for steps in step_counts:
                    out.append((sampler, dict(betas[1], timestep_spacing=sp), steps))
    for sampler in ("euler", "dpmpp_2m"):
        for betas in (SD, LINEAR, {"beta_schedule": "squaredcos_cap_v2"}):
            for steps in step_counts:
                out.append((sampler, dict(betas, use_karras_sigmas=True), steps))
    for sampler in ("ddim", "euler", "euler_a", "dpmpp_2m", "lcm"):
        for steps in (1, 4, 10, 25):
            out.append((sampler, dict(SD, timestep_spacing="trailing", rescale_betas_zero_snr=True), steps))
    for original in (50, 25, 100):
        for steps in step_counts:
            if steps <= original:
                out.append(("lcm", dict(SD, original_inference_steps=original), steps))
    return out


def betas_record() -> dict:
    s = {}
    for name, cfg in (("linear", LINEAR), ("scaled_linear", SD), ("squaredcos_cap_v2", {"beta_schedule": "squaredcos_cap_v2"}),
                      ("scaled_linear_zero_snr", dict(SD, rescale_betas_zero_snr=True))):
        d = scheduler_class("ddim")(**cfg)
        s[name] = {"config": cfg, "betas": floats(d.betas), "alphas_cumprod": floats(d.alphas_cumprod)}
    return s


def provenance(checkout: str) -> dict:
    commit = None
    try:
        commit = subprocess.check_output(["git", "-C", checkout, "rev-parse", "HEAD"], stderr=subprocess.DEVNULL).decode().strip()
    except Exception:
        pass
    if commit is None and os.path.exists(os.path.join(checkout, "COMMIT")):
        commit = open(os.path.join(checkout, "COMMIT")).read().strip()
    return {
        "generator": "tools/scheduler-fixtures/generate.py",
        "diffusers_commit": commit,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "note": "GENERATED FILE, do not edit: rerun the generator (see tools/scheduler-fixtures/README.md).",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("diffusers_checkout", help="path of a huggingface/diffusers source checkout (folder holding src/diffusers)")
    parser.add_argument("out_dir", nargs="?", default=os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "schedulers"))
    args = parser.parse_args()
    root = build_package(os.path.abspath(args.diffusers_checkout))
    try:
        torch.set_num_threads(1)
        os.makedirs(args.out_dir, exist_ok=True)
        meta = provenance(args.diffusers_checkout)
        by_sampler = {k: [] for k in CLASSES}
        for sampler, name, config, steps in trajectory_cases():
            by_sampler[sampler].append(trajectory_record(sampler, config, steps, name))
        for sampler, cases in by_sampler.items():
            write(args.out_dir, f"{sampler}.json", {"meta": meta, "cases": cases})
        schedules = [schedule_record(s, c, n) for s, c, n in schedule_cases()]
        write(args.out_dir, "schedules.json", {"meta": meta, "betas": betas_record(), "cases": schedules})
    finally:
        shutil.rmtree(root, ignore_errors=True)


def write(out_dir: str, name: str, data: dict) -> None:
    path = os.path.join(out_dir, name)
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
