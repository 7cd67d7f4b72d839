"""Departments (主管部门 → 下属单位), users and their memberships."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import FileExtensionValidator
from django.db import models


class User(AbstractUser):
    """Custom user from the first migration, so later fields need no swap."""

    full_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username


class Department(models.Model):
    """A budget unit. A 主管部门 has its 下属单位 as children."""

    name = models.CharField("部门全称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=50, blank=True)
    code = models.CharField("部门编码", max_length=32, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="主管部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.CharField("所属地区", max_length=50, help_text="如：深圳市龙岗区")
    seal = models.ImageField(
        "公章图片",
        upload_to="seals/",
        blank=True,
        validators=[FileExtensionValidator(["png"])],
        help_text="透明背景 PNG，审核通过后盖在导出表格的（盖章）处。",
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["region", "code"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """What a user may do for a department (填报人 or 审核人)."""

    class Role(models.TextChoices):
        FILLER = "filler", "填报人"
        REVIEWER = "reviewer", "审核人"

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(
        Department,
        verbose_name="部门",
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField("角色", max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = "部门成员"
        verbose_name_plural = "部门成员"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department", "role"], name="uniq_membership_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.department} · {self.get_role_display()}"
