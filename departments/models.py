"""Departments (主管部门 → 下属单位), users and their memberships."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import FileExtensionValidator
from django.db import models
from simple_history.models import HistoricalRecords


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
    # Who changed a department's name, parent or seal, and when: the seal is
    # what makes an exported table official.
    history = HistoricalRecords()

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
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        help_text="填报人、审核人所属部门；审核人同时审核其下属单位。",
    )
    region = models.CharField(
        "审核地区",
        max_length=50,
        blank=True,
        help_text="仅审核人：审核整个地区（如财政局），此时不填部门。",
    )
    role = models.CharField("角色", max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = "部门成员"
        verbose_name_plural = "部门成员"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department", "role"],
                condition=models.Q(department__isnull=False),
                name="uniq_membership_role",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(department__isnull=False, region="")
                    | models.Q(department__isnull=True, role="reviewer")
                    & ~models.Q(region="")
                ),
                name="membership_department_or_region",
                violation_error_message="请选择部门；只有审核人可以按地区审核。",
            ),
        ]

    def __str__(self) -> str:
        scope = self.department or f"{self.region}（全地区）"
        return f"{self.user} · {scope} · {self.get_role_display()}"


class AuditEvent(models.Model):
    """Append-only security log (等保 8.1.4.3: date, user, type, success).

    Rows are only ever inserted; the admin shows them read-only.
    """

    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        User, verbose_name="用户", null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    action = models.CharField("事件", max_length=40, db_index=True)
    success = models.BooleanField("成功", default=True)
    department = models.ForeignKey(
        Department,
        verbose_name="部门",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    detail = models.TextField("详情", blank=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.action}"
