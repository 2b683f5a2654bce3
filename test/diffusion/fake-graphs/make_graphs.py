"""
Tiny stand-in UNet graphs with the input signatures of models the engine must refuse. They compute
nothing useful (out_sample is the first 4 channels of sample): the refusal happens when the session's
inputs are read, before anything runs. Regenerate with Debian's python3-onnx:

  /usr/bin/python3 make_graphs.py
"""
import onnx
from onnx import TensorProto, helper


def unet(name, channels, extra_inputs=()):
    inputs = [
        helper.make_tensor_value_info("sample", TensorProto.FLOAT, ["batch", channels, "height", "width"]),
        helper.make_tensor_value_info("timestep", TensorProto.INT64, ["steps"]),
        helper.make_tensor_value_info("encoder_hidden_states", TensorProto.FLOAT, ["batch", "sequence", 32]),
        *extra_inputs,
    ]
    starts = helper.make_tensor("starts", TensorProto.INT64, [1], [0])
    ends = helper.make_tensor("ends", TensorProto.INT64, [1], [4])
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
    node = helper.make_node("Slice", ["sample", "starts", "ends", "axes"], ["out_sample"])
    out = helper.make_tensor_value_info("out_sample", TensorProto.FLOAT, ["batch", 4, "height", "width"])
    graph = helper.make_graph([node], name, inputs, [out], initializer=[starts, ends, axes])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="make_graphs.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, f"{name}.onnx")


unet("unet-inpainting-9ch", 9)
# SD 2 depth (4 latents + 1 depth map) and InstructPix2Pix (4 latents + 4 image latents).
unet("unet-depth-5ch", 5)
unet("unet-pix2pix-8ch", 8)
unet("unet-sdxl-signature", 4, [
    helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["batch", 64]),
    helper.make_tensor_value_info("time_ids", TensorProto.FLOAT, ["batch", 6]),
])
unet("unet-refiner-signature", 4, [
    helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["batch", 64]),
    helper.make_tensor_value_info("time_ids", TensorProto.FLOAT, ["batch", 5]),
])
unet("unet-controlnet-inputs", 4, [
    helper.make_tensor_value_info("down_block_additional_residuals", TensorProto.FLOAT, ["batch", 4, "height", "width"]),
])
