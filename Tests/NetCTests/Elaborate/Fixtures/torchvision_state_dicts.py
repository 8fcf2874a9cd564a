# Writes torchvision_state_dicts.txt: the state_dict tensor names and shapes of the torchvision models in the
# zoo (num_batches_tracked left out: netc does not track it), which ZooTests compares against netc's IR.
# Run with the project venv: /work/venv/bin/python torchvision_state_dicts.py
import torchvision

MODELS = ["alexnet", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d"]

with open("torchvision_state_dicts.txt", "w") as out:
    out.write(f"# torchvision {torchvision.__version__}: model, tensor name, shape\n")
    for name in MODELS:
        model = getattr(torchvision.models, name)(weights=None)
        for key, tensor in model.state_dict().items():
            if not key.endswith("num_batches_tracked"):
                out.write(f"{name} {key} {','.join(map(str, tensor.shape))}\n")
