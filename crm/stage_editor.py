"""The pipeline editor: a pipeline's stages in order, each with its label, status and internal
name (shown on hover, never editable); add, rename, change status, reorder and delete; one
Save applies everything or nothing (crm.services.edit_stages)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render

from crm.inputs import is_whole_number
from crm.models import Pipeline, PipelineState
from crm.services import StageEditRefused, edit_stages


def can_edit_pipelines(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm("crm.edit_pipelines"))


def edit(request, pipeline_id):
    if not can_edit_pipelines(request.user):
        raise PermissionDenied("Only staff who may edit pipelines can change stages.")
    pipeline = get_object_or_404(Pipeline, pk=pipeline_id)
    problems, posted = [], None
    if request.method == "POST":
        posted = request.POST
        stages, new = _read(request.POST, pipeline)
        try:
            edit_stages(pipeline, stages=stages, new=new)
        except StageEditRefused as refused:
            problems = refused.problems
        else:
            messages.success(request, f"The stages of {pipeline} are saved.")
            return redirect("admin:crm_pipeline_stages", pipeline.pk)
    stages = list(pipeline.stages.annotate(order_count=Count("orders")))
    rows = [
        {
            "stage": stage,
            "label": posted.get(f"label-{stage.pk}", stage.label) if posted else stage.label,
            "state": posted.get(f"state-{stage.pk}", stage.state) if posted else stage.state,
            "position": posted.get(f"position-{stage.pk}", index + 1) if posted else index + 1,
            "delete": bool(posted and posted.get(f"delete-{stage.pk}")),
            "move_to": posted.get(f"move-{stage.pk}", "") if posted else "",
        }
        for index, stage in enumerate(stages)
    ]
    context = {
        **admin.site.each_context(request),
        "title": f"Stages of {pipeline}",
        "pipeline": pipeline,
        "opts": Pipeline._meta,
        "rows": rows,
        "stages": stages,
        "states": PipelineState.choices,
        "problems": problems,
        "new_label": posted.get("new-label", "") if posted and problems else "",
    }
    return render(request, "admin/crm/pipeline/stages.html", context)


def _read(post, pipeline):
    stages = []
    for stage in pipeline.stages.all():
        position = post.get(f"position-{stage.pk}", "")
        move_to = post.get(f"move-{stage.pk}", "")
        stages.append(
            {
                "id": stage.pk,
                "label": post.get(f"label-{stage.pk}", stage.label),
                "state": post.get(f"state-{stage.pk}", stage.state),
                "position": int(position) if is_whole_number(position) else stage.display_order + 1,
                "delete": bool(post.get(f"delete-{stage.pk}")),
                "move_to": int(move_to) if is_whole_number(move_to) else None,
            }
        )
    new = []
    if post.get("new-label", "").strip():
        new.append({"label": post["new-label"], "state": post.get("new-state", "open")})
    return stages, new
