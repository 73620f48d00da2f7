"""MobileNetV1 reference architecture (PyTorch).

The module structure is fixed so that state_dict keys are
``model.{i}.{j}.weight|bias|running_mean|running_var|num_batches_tracked``,
``fc.weight`` and ``fc.bias``.
"""
import torch.nn as nn


class MobileNetV1(nn.Module):
    def __init__(self, ch_in, n_classes, alpha=1.0):
        super().__init__()

        def conv_bn(inp, oup, stride):
            return nn.Sequential(
                nn.Conv2d(inp, oup, 3, stride, 1, bias=False),
                nn.BatchNorm2d(oup),
                nn.ReLU(inplace=True),
            )

        def conv_dw(inp, oup, stride):
            return nn.Sequential(
                # depthwise 3x3
                nn.Conv2d(inp, inp, 3, stride, 1, groups=inp, bias=False),
                nn.BatchNorm2d(inp),
                nn.ReLU(inplace=True),
                # pointwise 1x1
                nn.Conv2d(inp, oup, 1, 1, 0, bias=False),
                nn.BatchNorm2d(oup),
                nn.ReLU(inplace=True),
            )

        def c(n):
            return int(n * alpha)

        self.alpha = alpha
        self.channels = c(1024)
        self.model = nn.Sequential(
            conv_bn(ch_in, c(32), 2),
            conv_dw(c(32), c(64), 1),
            conv_dw(c(64), c(128), 2),
            conv_dw(c(128), c(128), 1),
            conv_dw(c(128), c(256), 2),
            conv_dw(c(256), c(256), 1),
            conv_dw(c(256), c(512), 2),
            conv_dw(c(512), c(512), 1),
            conv_dw(c(512), c(512), 1),
            conv_dw(c(512), c(512), 1),
            conv_dw(c(512), c(512), 1),
            conv_dw(c(512), c(512), 1),
            conv_dw(c(512), c(1024), 2),
            conv_dw(c(1024), c(1024), 1),
            nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(c(1024), n_classes)

    def forward(self, x):
        x = self.model(x)
        x = x.view(-1, self.channels)
        x = self.fc(x)
        return x
