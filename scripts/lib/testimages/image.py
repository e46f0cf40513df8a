"""An image recipe: ordered build steps (real layers and empty_layer history entries) -> config."""
from dataclasses import dataclass, field
from typing import List, Optional

STABLE_CREATED = "2023-11-14T22:13:20Z"  # the fixed mtime; stable steps were built once, long ago


@dataclass
class Step:
    created_by: str
    created: str
    blob: Optional[object] = None   # LayerBlob; None = empty_layer history entry
    entries: Optional[list] = None  # what the layer holds (for the expected facts)
    role: str = ""
    expected_class: str = ""


@dataclass
class Recipe:
    created: str
    steps: List[Step] = field(default_factory=list)
    architecture: str = "amd64"
    variant: str = ""
    env: List[str] = field(default_factory=list)
    cmd: List[str] = field(default_factory=list)
    workdir: str = ""
    labels: dict = field(default_factory=dict)

    def layer_steps(self):
        return [s for s in self.steps if s.blob is not None]

    def platform(self):
        p = {"architecture": self.architecture, "os": "linux"}
        if self.variant:
            p["variant"] = self.variant
        return p

    def config(self):
        history = []
        for s in self.steps:
            h = {"created": s.created, "created_by": s.created_by}
            if s.blob is None:
                h["empty_layer"] = True
            else:
                h["comment"] = "buildkit.dockerfile.v0"
            history.append(h)
        cfg = {"Env": self.env or ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}
        if self.cmd:
            cfg["Cmd"] = self.cmd
        if self.workdir:
            cfg["WorkingDir"] = self.workdir
        if self.labels:
            cfg["Labels"] = self.labels
        c = {
            "created": self.created,
            "architecture": self.architecture,
            "os": "linux",
            "config": cfg,
            "rootfs": {"type": "layers", "diff_ids": [s.blob.diff_id for s in self.layer_steps()]},
            "history": history,
        }
        if self.variant:
            c["variant"] = self.variant
        return c
