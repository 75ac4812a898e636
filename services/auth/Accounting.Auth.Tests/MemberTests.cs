using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accounting.Auth.Security;
using Dapper;
using Microsoft.IdentityModel.JsonWebTokens;
using Npgsql;

namespace Accounting.Auth.Tests;

public sealed class MemberTests(AuthFactory factory) : IClassFixture<AuthFactory>
{
    private const string Password = "a long enough passphrase";

    [Fact]
    public async Task An_invited_person_joins_as_a_new_user_with_the_invited_role_and_only_the_inviter_ever_sees_the_token()
    {
        var owner = await factory.RegisterAsync();
        using var client = factory.ClientFor(owner);
        var email = NewEmail();

        var invited = await client.PostAsJsonAsync("/api/v1/organisation/invitations", new { email, role = "accountant" });

        invited.StatusCode.ShouldBe(HttpStatusCode.Created);
        var invitation = await invited.Content.ReadFromJsonAsync<JsonElement>();
        var token = invitation.GetProperty("token").GetString()!;
        invitation.GetProperty("id").GetString().ShouldStartWith("ivt_");
        invitation.GetProperty("expires_at").GetDateTimeOffset().ShouldBe(factory.Clock.GetUtcNow() + TimeSpan.FromDays(7), TimeSpan.FromSeconds(5));
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        (await connection.ExecuteScalarAsync<string>("SELECT token_hash FROM invitations WHERE id = @Id", new { Id = invitation.GetProperty("id").GetString() }))
            .ShouldBe(TokenService.HashOpaque(token));
        var created = await EventAsync(owner.OrganisationId, "invitation.created");
        created.GetRawText().ShouldNotContain(token);
        created.GetProperty("email").GetString().ShouldBe(email);
        created.GetProperty("role").GetString().ShouldBe("accountant");
        created.GetProperty("organisation_name").GetString().ShouldBe("Acme Ltd");
        created.GetProperty("invited_by_name").GetString().ShouldBe("Ada Owner");

        var member = await AcceptAsNewUserAsync(token, email);

        RoleIn(member.AccessToken).ShouldBe("accountant");
        new JsonWebToken(member.AccessToken).GetClaim("org").Value.ShouldBe(owner.OrganisationId);
        var members = await client.GetFromJsonAsync<JsonElement>("/api/v1/organisation/members");
        members.GetProperty("pagination").GetProperty("total").GetInt64().ShouldBe(2);
        members.GetProperty("data").EnumerateArray().Single(m => m.GetProperty("user_id").GetString() == member.UserId)
            .GetProperty("role").GetString().ShouldBe("accountant");
        (await EventAsync(owner.OrganisationId, "member.added")).GetProperty("user_id").GetString().ShouldBe(member.UserId);
    }

    [Fact]
    public async Task An_existing_user_accepts_with_their_own_token_and_keeps_their_other_organisation()
    {
        var owner = await factory.RegisterAsync();
        var existing = await factory.RegisterAsync();
        var token = await InviteAsync(owner, existing.Email.ToUpperInvariant(), "viewer");

        using var signedIn = factory.ClientFor(existing);
        var response = await signedIn.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { token });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("user").GetProperty("id").GetString().ShouldBe(existing.UserId);
        var access = new JsonWebToken(body.GetProperty("tokens").GetProperty("access_token").GetString());
        access.GetClaim("org").Value.ShouldBe(owner.OrganisationId);
        access.GetClaim("role").Value.ShouldBe("viewer");
        using var me = factory.ClientFor(existing);
        (await me.GetFromJsonAsync<JsonElement>("/api/v1/organisations")).GetProperty("pagination").GetProperty("total").GetInt64().ShouldBe(2);
    }

    [Fact]
    public async Task A_signed_in_user_accepts_without_a_password()
    {
        var owner = await factory.RegisterAsync();
        var existing = await factory.RegisterAsync();
        var token = await InviteAsync(owner, existing.Email, "viewer");
        using var signedIn = factory.ClientFor(existing);

        var response = await signedIn.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { token, password = existing.Password });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await SettingsTests.ErrorFieldsAsync(response)).ShouldBe(["password"]);
    }

    [Fact]
    public async Task An_access_token_the_gateway_could_not_verify_is_not_taken_for_a_new_user()
    {
        var owner = await factory.RegisterAsync();
        var token = await InviteAsync(owner, NewEmail(), "viewer");
        using var anonymous = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/accept-invitation")
        {
            Content = JsonContent.Create(new { token, full_name = "Stale Token", password = Password }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "expired.access.token");

        var response = await anonymous.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await SessionTests.ErrorCode(response)).ShouldBe("invalid_token");
    }

    [Fact]
    public async Task An_invitation_works_once()
    {
        var owner = await factory.RegisterAsync();
        var email = NewEmail();
        var token = await InviteAsync(owner, email, "viewer");
        await AcceptAsNewUserAsync(token, email);

        using var anonymous = factory.CreateClient();
        var again = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { token, full_name = "Eve Again", password = Password });

        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await SessionTests.ErrorCode(again)).ShouldBe("conflict");
    }

    [Fact]
    public async Task An_invitation_expires_after_seven_days()
    {
        var owner = await factory.RegisterAsync();
        var email = NewEmail();
        var token = await InviteAsync(owner, email, "viewer");
        factory.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1));

        using var anonymous = factory.CreateClient();
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { token, full_name = "Late Larry", password = Password });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await SettingsTests.ErrorFieldsAsync(response)).ShouldBe(["token"]);
    }

    [Fact]
    public async Task An_unknown_or_replaced_token_is_refused()
    {
        var owner = await factory.RegisterAsync();
        var email = NewEmail();
        var first = await InviteAsync(owner, email, "viewer");
        await InviteAsync(owner, email, "accountant");
        using var anonymous = factory.CreateClient();

        var replaced = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { token = first, full_name = "Old Link", password = Password });
        var unknown = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { token = "inv_madeup", full_name = "Guess", password = Password });

        replaced.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        unknown.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await SettingsTests.ErrorFieldsAsync(unknown)).ShouldBe(["token"]);
    }

    [Fact]
    public async Task An_invitation_for_another_email_is_refused_and_stays_usable_by_its_owner()
    {
        var owner = await factory.RegisterAsync();
        var someoneElse = await factory.RegisterAsync();
        var email = NewEmail();
        var token = await InviteAsync(owner, email, "viewer");

        using var wrongUser = factory.ClientFor(someoneElse);
        var refused = await wrongUser.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { token });

        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await SessionTests.ErrorCode(refused)).ShouldBe("forbidden");
        (await AcceptAsNewUserAsync(token, email)).UserId.ShouldStartWith("usr_");
    }

    [Fact]
    public async Task Accepting_as_a_new_user_cannot_take_over_an_existing_account()
    {
        var owner = await factory.RegisterAsync();
        var existing = await factory.RegisterAsync();
        var token = await InviteAsync(owner, existing.Email, "admin");
        using var anonymous = factory.CreateClient();

        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { token, full_name = "Mallory", password = Password });

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        (await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM memberships WHERE organisation_id = @OrganisationId", new { owner.OrganisationId })).ShouldBe(1);
    }

    [Fact]
    public async Task A_new_user_needs_a_name_and_a_long_enough_password()
    {
        var owner = await factory.RegisterAsync();
        var token = await InviteAsync(owner, NewEmail(), "viewer");
        using var anonymous = factory.CreateClient();

        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { token, password = "short" });

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await SettingsTests.ErrorFieldsAsync(response)).ShouldBe(["full_name", "password"], ignoreOrder: true);
    }

    [Fact]
    public async Task An_admin_invites_but_only_an_owner_may_invite_an_owner()
    {
        var owner = await factory.RegisterAsync();
        var admin = await JoinAsync(owner, "admin");
        using var asAdmin = factory.ClientFor(admin, role: "admin");
        using var asOwner = factory.ClientFor(owner);

        var adminInvitesOwner = await asAdmin.PostAsJsonAsync("/api/v1/organisation/invitations", new { email = NewEmail(), role = "owner" });
        var adminInvitesViewer = await asAdmin.PostAsJsonAsync("/api/v1/organisation/invitations", new { email = NewEmail(), role = "viewer" });
        var ownerInvitesOwner = await asOwner.PostAsJsonAsync("/api/v1/organisation/invitations", new { email = NewEmail(), role = "owner" });

        adminInvitesOwner.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await SessionTests.ErrorCode(adminInvitesOwner)).ShouldBe("forbidden");
        adminInvitesViewer.StatusCode.ShouldBe(HttpStatusCode.Created);
        ownerInvitesOwner.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Accountants_and_viewers_cannot_invite()
    {
        var owner = await factory.RegisterAsync();
        using var accountant = factory.ClientFor(owner, role: "accountant");

        var response = await accountant.PostAsJsonAsync("/api/v1/organisation/invitations", new { email = NewEmail(), role = "viewer" });

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_token_older_than_a_demotion_no_longer_manages_members()
    {
        var owner = await factory.RegisterAsync();
        var admin = await JoinAsync(owner, "admin");
        using var asOwner = factory.ClientFor(owner);
        await asOwner.PatchAsJsonAsync($"/api/v1/organisation/members/{admin.UserId}", new { role = "viewer" });
        using var staleAdmin = factory.ClientFor(admin, role: "admin");

        var response = await staleAdmin.PostAsJsonAsync("/api/v1/organisation/invitations", new { email = NewEmail(), role = "viewer" });

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("POST", "/api/v1/organisation/invitations")]
    [InlineData("GET", "/api/v1/organisation/members")]
    [InlineData("PATCH", "/api/v1/organisation/members/usr_x")]
    [InlineData("DELETE", "/api/v1/organisation/members/usr_x")]
    public async Task An_api_key_cannot_manage_members(string method, string path)
    {
        var owner = await factory.RegisterAsync();
        using var key = factory.ClientForApiKey(owner.OrganisationId, [.. Accounting.ServiceDefaults.Identity.ApiScopes.All]);
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method is "POST" or "PATCH" ? JsonContent.Create(new { email = NewEmail(), role = "viewer" }) : null,
        };

        var response = await key.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await SessionTests.ErrorCode(response)).ShouldBe("forbidden");
    }

    [Fact]
    public async Task An_api_key_cannot_accept_an_invitation()
    {
        var owner = await factory.RegisterAsync();
        var token = await InviteAsync(owner, NewEmail(), "viewer");
        using var key = factory.ClientForApiKey(owner.OrganisationId, "organisation:write");

        var response = await key.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { token });

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_demoted_member_gets_the_new_role_with_the_next_refresh()
    {
        var owner = await factory.RegisterAsync();
        var admin = await JoinAsync(owner, "admin");
        using var asOwner = factory.ClientFor(owner);

        var changed = await asOwner.PatchAsJsonAsync($"/api/v1/organisation/members/{admin.UserId}", new { role = "viewer" });

        changed.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString().ShouldBe("viewer");
        var refreshed = await RefreshAsync(admin.RefreshToken);
        refreshed.StatusCode.ShouldBe(HttpStatusCode.OK);
        var tokens = (await refreshed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tokens");
        RoleIn(tokens.GetProperty("access_token").GetString()!).ShouldBe("viewer");
    }

    [Fact]
    public async Task Only_an_owner_changes_an_owners_role_or_makes_an_owner()
    {
        var owner = await factory.RegisterAsync();
        var admin = await JoinAsync(owner, "admin");
        var viewer = await JoinAsync(owner, "viewer");
        using var asAdmin = factory.ClientFor(admin, role: "admin");

        var demoteOwner = await asAdmin.PatchAsJsonAsync($"/api/v1/organisation/members/{owner.UserId}", new { role = "viewer" });
        var promoteToOwner = await asAdmin.PatchAsJsonAsync($"/api/v1/organisation/members/{viewer.UserId}", new { role = "owner" });
        var removeOwner = await asAdmin.DeleteAsync($"/api/v1/organisation/members/{owner.UserId}");
        var promoteToAdmin = await asAdmin.PatchAsJsonAsync($"/api/v1/organisation/members/{viewer.UserId}", new { role = "admin" });

        demoteOwner.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        promoteToOwner.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        removeOwner.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        promoteToAdmin.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_last_owner_can_be_neither_demoted_nor_removed()
    {
        var owner = await factory.RegisterAsync();
        using var client = factory.ClientFor(owner);

        var demoted = await client.PatchAsJsonAsync($"/api/v1/organisation/members/{owner.UserId}", new { role = "admin" });
        var removed = await client.DeleteAsync($"/api/v1/organisation/members/{owner.UserId}");

        demoted.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        removed.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await SessionTests.ErrorCode(removed)).ShouldBe("conflict");
    }

    [Fact]
    public async Task Two_owners_demoting_each_other_at_once_leave_one_owner()
    {
        var first = await factory.RegisterAsync();
        var second = await JoinAsync(first, "owner");
        using var asFirst = factory.ClientFor(first);
        using var asSecond = factory.ClientFor(second);

        var responses = await Task.WhenAll(
            asFirst.PatchAsJsonAsync($"/api/v1/organisation/members/{second.UserId}", new { role = "admin" }),
            asSecond.PatchAsJsonAsync($"/api/v1/organisation/members/{first.UserId}", new { role = "admin" }));

        // Whichever runs second finds that it is no longer an owner (403) or that it would leave none (409).
        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(1);
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        (await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM memberships WHERE organisation_id = @OrganisationId AND role = 'owner'", new { first.OrganisationId })).ShouldBe(1);
    }

    [Fact]
    public async Task Two_owners_removing_each_other_at_once_leave_one_owner()
    {
        var first = await factory.RegisterAsync();
        var second = await JoinAsync(first, "owner");
        using var asFirst = factory.ClientFor(first);
        using var asSecond = factory.ClientFor(second);

        var responses = await Task.WhenAll(
            asFirst.DeleteAsync($"/api/v1/organisation/members/{second.UserId}"),
            asSecond.DeleteAsync($"/api/v1/organisation/members/{first.UserId}"));

        responses.Count(r => r.StatusCode == HttpStatusCode.NoContent).ShouldBe(1);
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        (await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM memberships WHERE organisation_id = @OrganisationId AND role = 'owner'", new { first.OrganisationId })).ShouldBe(1);
    }

    [Fact]
    public async Task A_removed_member_can_no_longer_refresh_into_the_organisation_but_keeps_their_own()
    {
        var owner = await factory.RegisterAsync();
        var existing = await factory.RegisterAsync();
        var token = await InviteAsync(owner, existing.Email, "accountant");
        using var signedIn = factory.ClientFor(existing);
        var accepted = await (await signedIn.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { token })).Content.ReadFromJsonAsync<JsonElement>();
        var memberRefresh = accepted.GetProperty("tokens").GetProperty("refresh_token").GetString()!;
        using var asOwner = factory.ClientFor(owner);

        var removed = await asOwner.DeleteAsync($"/api/v1/organisation/members/{existing.UserId}");

        removed.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var refused = await RefreshAsync(memberRefresh);
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await SessionTests.ErrorCode(refused)).ShouldBe("invalid_token");
        (await RefreshAsync(existing.RefreshToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var removal = await EventAsync(owner.OrganisationId, "member.removed");
        removal.GetProperty("user_id").GetString().ShouldBe(existing.UserId);
        removal.GetProperty("removed_by").GetString().ShouldBe(owner.UserId);
        var members = await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/organisation/members");
        members.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("user_id").GetString()).ShouldBe([owner.UserId]);
    }

    [Fact]
    public async Task Another_organisations_member_is_not_found()
    {
        var mine = await factory.RegisterAsync();
        var theirs = await factory.RegisterAsync();
        using var client = factory.ClientFor(mine);

        var changed = await client.PatchAsJsonAsync($"/api/v1/organisation/members/{theirs.UserId}", new { role = "viewer" });
        var removed = await client.DeleteAsync($"/api/v1/organisation/members/{theirs.UserId}");

        changed.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        removed.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await SessionTests.ErrorCode(removed)).ShouldBe("not_found");
        var members = await client.GetFromJsonAsync<JsonElement>("/api/v1/organisation/members");
        members.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("user_id").GetString()).ShouldBe([mine.UserId]);
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        (await connection.ExecuteScalarAsync<string>(
            "SELECT role FROM memberships WHERE user_id = @UserId AND organisation_id = @OrganisationId", new { theirs.UserId, theirs.OrganisationId })).ShouldBe("owner");
    }

    [Fact]
    public async Task Inviting_a_current_member_is_a_conflict()
    {
        var owner = await factory.RegisterAsync();
        using var client = factory.ClientFor(owner);

        var response = await client.PostAsJsonAsync("/api/v1/organisation/invitations", new { email = owner.Email, role = "viewer" });

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    private static string NewEmail() => $"invitee-{Guid.NewGuid():N}@example.com";

    private static string RoleIn(string accessToken) => new JsonWebToken(accessToken).GetClaim("role").Value;

    private async Task<string> InviteAsync(Account inviter, string email, string role)
    {
        using var client = factory.ClientFor(inviter);
        var response = await client.PostAsJsonAsync("/api/v1/organisation/invitations", new { email, role });
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private async Task<Account> AcceptAsNewUserAsync(string token, string email)
    {
        using var anonymous = factory.CreateClient();
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/accept-invitation", new { token, full_name = "Ivy Invitee", password = Password });
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var tokens = body.GetProperty("tokens");
        var access = tokens.GetProperty("access_token").GetString()!;
        return new Account(
            body.GetProperty("user").GetProperty("id").GetString()!, new JsonWebToken(access).GetClaim("org").Value, email, Password,
            tokens.GetProperty("refresh_token").GetString()!, access);
    }

    /// <summary>A new user invited by <paramref name="owner"/> and joined with <paramref name="role"/>.</summary>
    private async Task<Account> JoinAsync(Account owner, string role)
    {
        var email = NewEmail();
        return await AcceptAsNewUserAsync(await InviteAsync(owner, email, role), email);
    }

    private async Task<HttpResponseMessage> RefreshAsync(string refreshToken)
    {
        using var anonymous = factory.CreateClient();
        return await anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refresh_token = refreshToken });
    }

    private async Task<JsonElement> EventAsync(string organisationId, string type)
    {
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        var payload = await connection.QuerySingleAsync<string>(
            "SELECT payload::text FROM outbox_messages WHERE organisation_id = @organisationId AND event_type = @type ORDER BY id DESC LIMIT 1",
            new { organisationId, type });
        return JsonDocument.Parse(payload).RootElement.Clone();
    }
}
