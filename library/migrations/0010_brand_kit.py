# Issue 18 (brand kit): the per-profile BrandKit and the clip's opening hook.

import uuid

import django.core.validators
import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("library", "0009_reframe")]

    operations = [
        migrations.AddField(
            model_name='clip',
            name='hook_auto',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='clip',
            name='hook_text',
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.CreateModel(
            name='BrandKit',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('logo', models.FileField(blank=True, max_length=500, upload_to='')),
                ('logo_width', models.PositiveIntegerField(default=0)),
                ('logo_height', models.PositiveIntegerField(default=0)),
                ('logo_position', models.CharField(choices=[('top-left', 'Top Left'), ('top-right', 'Top Right'), ('bottom-left', 'Bottom Left'), ('bottom-right', 'Bottom Right')], default='top-right', max_length=12)),
                ('logo_scale', models.FloatField(default=0.18, help_text='share of frame width', validators=[django.core.validators.MinValueValidator(0.05), django.core.validators.MaxValueValidator(0.4)])),
                ('logo_opacity', models.FloatField(default=0.85, validators=[django.core.validators.MinValueValidator(0.1), django.core.validators.MaxValueValidator(1.0)])),
                ('highlight_color', models.CharField(blank=True, help_text='caption highlight', max_length=7, validators=[django.core.validators.RegexValidator('^#[0-9A-F]{6}$', 'A colour written #RRGGBB (for example #FFD400).')])),
                ('box_color', models.CharField(blank=True, help_text='caption and hook box', max_length=7, validators=[django.core.validators.RegexValidator('^#[0-9A-F]{6}$', 'A colour written #RRGGBB (for example #FFD400).')])),
                ('text_color', models.CharField(blank=True, help_text='hook and card text', max_length=7, validators=[django.core.validators.RegexValidator('^#[0-9A-F]{6}$', 'A colour written #RRGGBB (for example #FFD400).')])),
                ('card_color', models.CharField(blank=True, help_text='title card background', max_length=7, validators=[django.core.validators.RegexValidator('^#[0-9A-F]{6}$', 'A colour written #RRGGBB (for example #FFD400).')])),
                ('font', models.FileField(blank=True, max_length=500, upload_to='')),
                ('font_family', models.CharField(blank=True, max_length=100)),
                ('font_name', models.CharField(blank=True, help_text="the uploaded file's name", max_length=255)),
                ('intro_template', models.CharField(blank=True, choices=[('intro', 'intro'), ('announcement', 'announcement'), ('how-it-works', 'how-it-works'), ('persona', 'persona'), ('demo', 'demo'), ('closing', 'closing')], max_length=20)),
                ('intro_fields', models.JSONField(blank=True, default=dict)),
                ('intro_seconds', models.FloatField(default=2.0, validators=[django.core.validators.MinValueValidator(0.5), django.core.validators.MaxValueValidator(6.0)])),
                ('outro_template', models.CharField(blank=True, choices=[('intro', 'intro'), ('announcement', 'announcement'), ('how-it-works', 'how-it-works'), ('persona', 'persona'), ('demo', 'demo'), ('closing', 'closing')], max_length=20)),
                ('outro_fields', models.JSONField(blank=True, default=dict)),
                ('outro_seconds', models.FloatField(default=2.0, validators=[django.core.validators.MinValueValidator(0.5), django.core.validators.MaxValueValidator(6.0)])),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('profile', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='profiles.profile')),
            ],
            options={
                'ordering': ['created_at'],
                'constraints': [models.UniqueConstraint(fields=('profile',), name='brand_kit_one_per_profile')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_objects', django.db.models.manager.Manager()),
            ],
        ),
    ]
